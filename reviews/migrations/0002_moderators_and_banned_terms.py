"""The ``moderators`` group with exactly the moderation desk's permissions, and the first banned
terms of 000 5.3.2 (admins edit the list afterwards)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "moderators"
# (model, actions): what the desk needs, nothing else (no carriers, tariffs, users, orders).
PERMISSIONS = {
    "review": ("view", "moderate"),
    "queuedreview": ("view",),
    "reviewphoto": ("view",),
    "reviewreport": ("view",),
    "carrierreply": ("view", "change"),
    "complaint": ("view", "change"),
    "moderationlog": ("view",),
    "bannedterm": ("view", "add", "change", "delete"),
}

BANNED_TERMS = {
    "national_security": ["颠覆国家政权", "分裂国家", "泄露国家秘密", "台独", "藏独", "疆独", "港独"],
    "rumours": ["散布谣言", "内部消息称", "转发扩散", "不转不是中国人"],
    "ethnic_hatred": ["民族败类", "灭族", "劣等民族", "支那"],
    "cults": ["法轮功", "全能神", "邪教", "转运符", "算命改运"],
    "porn": ["色情", "黄片", "约炮", "裸聊", "一夜情", "援交"],
    "gambling": ["赌博", "博彩", "网赌", "百家乐", "六合彩", "时时彩", "赌场"],
    "violence": ["砍死你", "弄死你", "杀了你", "打死你", "杀人"],
    "terrorism": ["恐怖袭击", "炸弹制作", "圣战", "爆炸袭击"],
    "insults": ["傻逼", "傻b", "脑残", "垃圾人", "去死", "操你", "贱人", "狗东西", "废物"],
    "other_shops": ["淘宝店", "天猫店", "京东店", "拼多多", "闲鱼", "旗舰店", "进店", "店铺链接", "私信下单", "扫码下单"],
    "paid_praise": ["好评返现", "返现", "晒图返", "好评有礼", "好评送", "加微信", "刷单", "刷好评"],
}


def codenames(model: str, actions) -> list[str]:
    return [f"{'moderate' if action == 'moderate' else action}_{model}" for action in actions]


def create_group(apps, schema_editor):
    app_config = apps.get_app_config("reviews")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = True  # historical app configs have none; create_permissions needs one
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    wanted = [name for model, actions in PERMISSIONS.items() for name in codenames(model, actions)]
    permissions = list(Permission.objects.filter(content_type__app_label="reviews", codename__in=wanted))
    assert len(permissions) == len(wanted), "every moderation permission exists"
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


def load_terms(apps, schema_editor):
    BannedTerm = apps.get_model("reviews", "BannedTerm")
    for category, terms in BANNED_TERMS.items():
        for term in terms:
            BannedTerm.objects.get_or_create(category=category, term=term)


def unload_terms(apps, schema_editor):
    apps.get_model("reviews", "BannedTerm").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_reviews"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_group, remove_group),
        migrations.RunPython(load_terms, unload_terms),
    ]
