"""Clause 2.3 of agreement v1 described a per-account lockout; the product pauses logins per network
address and account (DESIGN §6), so that nobody can lock the owner out from elsewhere. The clause is
not in the source agreement (seeds/000 section 二 has no lockout), so the published text is
corrected to say what the product does; the change favours the user and needs no new version.
"""

from django.db import migrations

OLD = "2.3. 为保护您的账号安全，同一账号连续多次输入错误密码的，该账号将被暂时锁定，锁定期间无法登录，锁定结束时间以页面提示为准。"
NEW = (
    "2.3. 为保护您的账号安全，从同一网络地址对同一账号连续多次输入错误密码的，将暂停从该网络地址登录该账号一段时间，"
    "暂停期间的提示与密码错误时相同；从其他网络地址登录不受影响。您通过发送至手机号码或电子邮箱的验证码重设密码后，"
    "即可立即登录。"
)


def _replace(apps, old: str, new: str) -> None:
    Agreement = apps.get_model("accounts", "Agreement")
    for agreement in Agreement.objects.filter(kind="terms", version="v1", body__contains=old):
        agreement.body = agreement.body.replace(old, new)
        agreement.save(update_fields=["body"])


def correct(apps, schema_editor):
    _replace(apps, OLD, NEW)


def restore(apps, schema_editor):
    _replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_contact_changes_sessions_channels"),
    ]

    operations = [
        migrations.RunPython(correct, restore),
    ]
