from django.db import migrations

DEFAULT_LIMITS = {
    "front_desk": 500,
    "therapist": 500,
    "sales_consultant": 500,
    "customer_service": 2000,
    "department_head": 10000,
    "senior_management": None,
    "administrator": 0,
}
DEFAULT_DEPARTMENTS = [
    ("customer_service", "客戶服務部"),
    ("operations", "營運管理部"),
    ("physiotherapy", "物理治療部"),
    ("sales", "銷售部"),
]


def create_defaults(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Department = apps.get_model("accounts", "Department")
    for code, limit in DEFAULT_LIMITS.items():
        Role.objects.get_or_create(code=code, defaults={"authority_limit": limit})
    for code, name in DEFAULT_DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
