"""factory_boy factories for the models tests need."""

import factory
from django.contrib.auth import get_user_model

from requests.models import Office, StaffMember

PASSWORD = "correct horse battery"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    name = factory.Sequence(lambda n: f"Testbüro {n}")
    street = factory.Sequence(lambda n: f"Teststraße {n}")
    postcode = "44357"
    districts = factory.LazyFunction(lambda: ["Mengede"])
    email = factory.Sequence(lambda n: f"buero{n}@lotse.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = StaffMember.Role.STAFF

    @factory.post_generation
    def offices(self, create, extracted, **kwargs):
        if create and extracted:
            self.offices.set(extracted)
