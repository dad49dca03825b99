"""团情日记: cadres' records of grassroots visits, the "四个一" each month, follow-ups as cases."""
