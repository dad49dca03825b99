"""青声 (QingSheng): a Q&A assistant for Communist Youth League youth groups."""
