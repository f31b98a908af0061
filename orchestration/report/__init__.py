"""The insights report: an offline HTML page of charts and findings from the published marts."""
