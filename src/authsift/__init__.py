"""authsift: finds the authentication and authorization mistakes that lead to API breaches."""

__version__ = "0.1.0"
