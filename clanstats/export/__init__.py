"""Export: JSON, the dashboard, the Eleventy bundle and the public summary."""
