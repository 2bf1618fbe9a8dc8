"""Publish version v1 of the privacy policy (隐私政策), effective at once (000 8.1, 003 §15).

Frozen here like the agreement's v1: a change is a new version published through the admin.
"""

from django.db import migrations
from django.utils import timezone

VERSION = "v1"
TITLE = "隐私政策"
BODY = """上门快递隐私政策

上门快递平台（下称“我们”）重视您的个人信息和隐私。本政策说明我们收集哪些个人信息、为何收集、如何使用和保护，以及您对自己的信息享有的权利。

一、我们收集的信息

1.1. 账号信息：您注册时提供的手机号码或电子邮箱地址、密码（仅保存加密摘要）、您填写的姓名和语言偏好。

1.2. 寄件信息：寄件人和收件人的姓名、电话、地址，物品类型与描述、重量、保价金额和上门时间。这些信息是物流服务公司为您上门揽收和派送所必需的。

1.3. 协议同意记录：您同意的协议版本、时间、IP 地址和设备信息，作为您同意的证明。

1.4. 安全信息：登录失败的次数（按网络地址和账号的摘要记录，不保存您的手机号码或邮箱）。

二、我们如何使用和共享信息

2.1. 我们将寄件信息推送给您选择的物流服务公司，仅用于完成该订单的揽收、运输、派送和售后。

2.2. 我们通过站内消息、短信或电子邮件向您发送订单状态、异常处理、账号安全和协议变更的通知。

2.3. 取件码只在您和快递员之间使用，我们不会将其发送给物流服务公司的系统，也不会写入日志。

2.4. 除法律法规要求或为完成您的订单外，我们不会向第三方提供您的个人信息。

三、您的权利

3.1. 查询：您可以在“我的账户”中下载您的全部数据（JSON 格式），包括账号资料、地址簿、订单及其记录、评价、通知、协议同意记录、违规记录和限制记录。

3.2. 更正：您可以随时在“我的账户”中修改姓名、电子邮箱、手机号码和语言；修改手机号码或电子邮箱需通过发送到新号码或新邮箱的验证码确认。

3.3. 删除与注销：您可以在“我的账户”中注销账号。注销后，进行中的订单将被取消并通知物流服务公司；订单仅以去除姓名、电话和地址的形式保留；地址簿、评价、通知和个人资料将被删除。

四、信息的保存与保护

4.1. 我们仅在实现本政策所述目的所需的期限内保存您的个人信息，法律法规另有规定的除外。

4.2. 我们采取加密传输、访问控制和最小化记录等措施保护您的信息。

五、本政策的变更

5.1. 本政策变更时，我们会发布新版本并写明生效日期，通过站内消息等方式通知您，并在页面上提示您，直至您确认。新版本生效后您继续使用服务，即视为您同意新版本。如您不同意，可以注销账号。
"""


def publish_v1(apps, schema_editor):
    Agreement = apps.get_model("accounts", "Agreement")
    now = timezone.now()
    Agreement.objects.get_or_create(
        kind="privacy",
        version=VERSION,
        defaults={"title": TITLE, "body": BODY, "published_at": now, "effective_at": now},
    )


def unpublish_v1(apps, schema_editor):
    apps.get_model("accounts", "Agreement").objects.filter(kind="privacy", version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_agreement_kind")]

    operations = [migrations.RunPython(publish_v1, unpublish_v1)]
