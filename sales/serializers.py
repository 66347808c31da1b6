"""The API's records (§13): what the ERP sends, and what it reads back."""

from rest_framework import serializers

from .models import Delivery, Payment, Receivable

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}
NUMBER = {"max_length": 60, "allow_blank": False, "trim_whitespace": True}


def _money_min(allow_zero: bool):
    return {"min_value": 0 if allow_zero else "0.01", "max_value": "999999999999.99"}


class DeliveryIn(serializers.Serializer):
    erp_number = serializers.CharField(**NUMBER)
    credit_code = serializers.CharField(max_length=30)
    customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    delivered_on = serializers.DateField()
    value = serializers.DecimalField(**MONEY, min_value=0, max_value=999999999999)
    goods = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    pickup_due_on = serializers.DateField(required=False, allow_null=True, default=None)
    picked_up_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReceivableIn(serializers.Serializer):
    erp_number = serializers.CharField(**NUMBER)
    credit_code = serializers.CharField(max_length=30)
    customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, min_value=1, max_value=999999999999)
    delivery_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class PaymentIn(serializers.Serializer):
    erp_number = serializers.CharField(**NUMBER)
    credit_code = serializers.CharField(max_length=30)
    customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    received_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, min_value=1, max_value=999999999999)
    applies_to = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class _Out(serializers.ModelSerializer):
    credit_code = serializers.CharField(source="customer.credit_code", read_only=True)


class DeliveryOut(_Out):
    class Meta:
        model = Delivery
        fields = [
            "erp_number",
            "credit_code",
            "delivered_on",
            "value",
            "goods",
            "pickup_due_on",
            "picked_up_on",
        ]


class ReceivableOut(_Out):
    delivery_number = serializers.CharField(
        source="delivery.erp_number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Receivable
        fields = [
            "erp_number",
            "credit_code",
            "source",
            "issued_on",
            "due_on",
            "amount",
            "paid_amount",
            "settled_on",
            "delivery_number",
        ]


class PaymentOut(_Out):
    class Meta:
        model = Payment
        fields = ["erp_number", "credit_code", "received_on", "amount", "applies_to", "note"]


class UpsertResult(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["created", "updated", "unchanged", "unmatched"])
    erp_number = serializers.CharField()
