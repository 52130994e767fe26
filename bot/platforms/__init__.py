"""Platform adapters. Import the concrete adapters lazily: they pull in heavy SDKs."""
