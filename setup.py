from setuptools import find_namespace_packages, setup

requires = [
    "alembic>=1.13,<2",
    "cachetools>=5,<9",
    "celery>=5.4,<6",
    "cryptography>=42",
    "email-validator>=2.1,<3",
    "jsonschema>=4.20,<5",
    "notify-statsd",
    "phonenumbers>=8.13",
    "plaster_pastedeploy",
    "psycopg2-binary>=2.9,<3",
    "PyJWT>=2.8,<3",
    "pyramid>=2.0,<3",
    "pyramid_retry>=2.1,<3",
    "pyramid_tm>=2.5,<3",
    "redis>=5,<9",
    "requests>=2.31,<3",
    "SQLAlchemy>=2.0,<2.2",
    "statsd>=4,<5",
    "transaction>=4",
    "waitress>=3,<4",
    "zope.sqlalchemy>=3.1",
]

tests_require = [
    "aiosmtpd>=1.4",
    "notifications-python-client==13.0.0",
    "pytest>=8",
    "ruff>=0.6",
    "WebTest>=3.0",
    "hypothesis>=6.100",
    "schemathesis>=4.1,<5",
]

setup(
    name="notify-pyramid",
    version="0.1.0",
    description="A notifications API for SMS and email, built on Pyramid",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_namespace_packages(include=["notify_pyramid*"]),
    include_package_data=True,
    package_data={"notify_pyramid.alembic": ["*.mako"]},
    zip_safe=False,
    install_requires=requires,
    extras_require={"test": tests_require},
    entry_points={
        "paste.app_factory": ["main = notify_pyramid:main"],
        "console_scripts": [
            "initialize_notify_db = notify_pyramid.scripts.initialize_db:main",
            "notify-worker = notify_pyramid.scripts.worker:main",
            "notify_usage = notify_pyramid.scripts.usage:main",
        ],
    },
)
