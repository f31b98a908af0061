"""Python assets and checks around identity resolution and the customer 360."""
