from tests.factories import CustomerFactory, InteractionFactory


def test_factories_build_a_customer_with_needs_and_interaction(db):
    interaction = InteractionFactory()
    assert interaction.customer.needs is not None
    assert CustomerFactory().number.startswith("C")
