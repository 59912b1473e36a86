"""Teaching annotations on a trace: gate patterns and chain-rule derivations."""
