"""Images: build, inspect, and (later) check and scan them."""
