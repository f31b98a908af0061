"""The customer and identity assets and checks that the code location loads."""

from orchestration.customer.health import identity_health
from orchestration.customer.phones import phone_normalizations
from orchestration.customer.sentiment import social_post_sentiment
from orchestration.customer.value import customer_value

customer_assets = [phone_normalizations, social_post_sentiment, customer_value]
customer_checks = [identity_health]
