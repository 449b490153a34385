"""report.html: one self-contained page, with plots, built from a deploy's or bench's report.json alone."""
