"""Build scripts; a package so that the CDK app imports ``scripts.build_layer`` unambiguously."""
