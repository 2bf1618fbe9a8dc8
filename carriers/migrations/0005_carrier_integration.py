from django.db import migrations, models

# The outbound adapters of before became the integrations that also read the carrier's callbacks.
ADAPTER_TO_INTEGRATION = {"http": "standard_webhooks", "manual": "manual", "simulator": "simulator"}
INTEGRATION_TO_ADAPTER = {value: key for key, value in ADAPTER_TO_INTEGRATION.items()}


def adapters_to_integrations(apps, schema_editor):
    Carrier = apps.get_model("carriers", "Carrier")
    for adapter, integration in ADAPTER_TO_INTEGRATION.items():
        Carrier.objects.filter(adapter=adapter).update(integration=integration)


def integrations_to_adapters(apps, schema_editor):
    Carrier = apps.get_model("carriers", "Carrier")
    for integration, adapter in INTEGRATION_TO_ADAPTER.items():
        Carrier.objects.filter(integration=integration).update(adapter=adapter)


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0004_transit_times"),
    ]

    operations = [
        migrations.AddField(
            model_name="carrier",
            name="integration",
            field=models.CharField(default="manual", max_length=40, verbose_name="integration"),
        ),
        migrations.AddField(
            model_name="carrier",
            name="integration_settings",
            field=models.JSONField(blank=True, default=dict, verbose_name="integration settings"),
        ),
        migrations.RunPython(adapters_to_integrations, integrations_to_adapters),
        migrations.RemoveField(
            model_name="carrier",
            name="adapter",
        ),
    ]
