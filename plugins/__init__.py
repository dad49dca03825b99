"""NoneBot plugins: the chat surface of 青声, thin over the services in bot/."""
