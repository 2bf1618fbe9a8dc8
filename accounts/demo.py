"""Demo accounts for local runs (``manage.py seed_demo``). Safe to run again."""

from django.db import transaction

from .models import AcceptanceMethod, Address, User
from .selectors import agreement_current
from .services import address_create, agreement_accept, user_signup, user_unlock

ADMIN_LOGIN = "admin@example.com"
ADMIN_PASSWORD = "admin-demo-2026"
DEMO_LOGIN = "13800138000"
DEMO_PHONE = "+8613800138000"
DEMO_PASSWORD = "demo-user-2026"


@transaction.atomic
def seed_demo_users() -> dict[str, tuple[str, str]]:
    """Create (or restore) the admin and the demo user; ``{role: (login, password)}``.

    Passwords are reset to the printed ones so the logins shown by ``make run`` always work.
    """
    admin = User.objects.filter(username=ADMIN_LOGIN).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN_LOGIN, ADMIN_PASSWORD, display_name="Admin")
    _restore(admin, ADMIN_PASSWORD, is_staff=True, is_superuser=True)

    agreement = agreement_current()
    user = User.objects.filter(phone=DEMO_PHONE).first()
    if user is None and agreement is None:  # sign-up is closed; still give the demo a user
        user = User.objects.create_user(DEMO_LOGIN, DEMO_PASSWORD, display_name="演示用户")
    elif user is None:
        user = user_signup(
            phone=DEMO_LOGIN,
            password=DEMO_PASSWORD,
            agreement_version=agreement.version if agreement else "",
            ip="127.0.0.1",
            user_agent="seed_demo",
        )
        user.display_name = "演示用户"
        user.save(update_fields=["display_name"])
    _restore(user, DEMO_PASSWORD)
    if agreement is not None:
        agreement_accept(
            user=user,
            agreement=agreement,
            method=AcceptanceMethod.SIGNUP,
            ip="127.0.0.1",
            user_agent="seed_demo",
        )
    if not Address.objects.filter(user=user).exists():
        address_create(
            user=user,
            label="家",
            name="张三",
            phone=DEMO_LOGIN,
            province="广东省",
            city="深圳市",
            district="南山区",
            address="科技园科苑路1号",
            is_default=True,
        )
    return {"admin": (ADMIN_LOGIN, ADMIN_PASSWORD), "user": (DEMO_LOGIN, DEMO_PASSWORD)}


def _restore(user: User, password: str, **flags: bool) -> None:
    changed = []
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    for field, value in {"is_active": True, **flags}.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    user_unlock(user=user)
