"""MongoDB through Beanie: documents, transactions, the event log and read queries."""
