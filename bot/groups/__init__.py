"""兴趣小组: interest groups youths join by topic, and votes on offline activities."""
