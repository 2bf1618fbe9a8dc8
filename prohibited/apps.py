from django.apps import AppConfig


class ProhibitedConfig(AppConfig):
    name = "prohibited"
