"""Factories for tests and the benchmark. Explicit values for whatever a test asserts on."""

import factory
from django.conf import settings

from crm.models import Department, Role, User
from customers.models import Contact, Customer, CustomerStatus, YearlyFigure
from customers.pinyin import customer_pinyin
from customers.validators import credit_code_check_char, normalize_company_name


def make_credit_code(n: int) -> str:
    """A valid 统一社会信用代码 derived from a number (unique per n)."""
    body = f"91{310000 + n % 10000:06d}{n:09d}"[:17]
    body = body.ljust(17, "0")
    return body + credit_code_check_char(body)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"销售{n}部")
    code = factory.Sequence(lambda n: f"dept{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.SALESPERSON
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def sync_groups(obj, create, extracted, **kwargs):
        if create:
            from crm.roles import sync_user_groups

            obj.save()
            sync_user_groups(obj)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    name_normalized = factory.LazyAttribute(lambda c: normalize_company_name(c.name))
    name_pinyin = factory.LazyAttribute(lambda c: customer_pinyin(c.name, c.short_name)[0])
    pinyin_keys = factory.LazyAttribute(lambda c: customer_pinyin(c.name, c.short_name)[1])
    short_name = factory.Sequence(lambda n: f"客户{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1))
    province = "上海市"
    city = "上海"
    industry = "机械制造"
    owner = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda c: c.owner.department)
    status = CustomerStatus.ACTIVE
    grade = "C"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    position = "buyer"


class YearlyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YearlyFigure

    customer = factory.SubFactory(CustomerFactory)
    year = 2025
    business_volume = 1_000_000
    receivables = 0


__all__ = ["settings"]
