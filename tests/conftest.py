"""Settings for the project's own tests."""

from hypothesis import HealthCheck, settings

# The machines this suite runs on are shared and noisy: a slow moment must not
# fail a property test, only a property that does not hold.
settings.register_profile("chatlab", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chatlab")
