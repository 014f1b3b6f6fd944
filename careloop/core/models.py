from django.db import models


class Sequence(models.Model):
    """A named counter for human-facing numbers (客戶編號, later 客訴編號 per day)."""

    key = models.CharField(max_length=50, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last_value}"
