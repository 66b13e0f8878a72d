"""The data layer: the raw-data contract, the reference catalogue, validation, the derived
mart and the demo-data generator. Nothing here knows about reports or the build."""
