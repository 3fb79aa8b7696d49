// placeholder until telemetry preload lands
