from django.apps import AppConfig


class OperatorCommandsConfig(AppConfig):
    name = "oauthapps.operator_commands"
    label = "oauthapps_operator_commands"
