"""The monthly 团情分析 report: what youths asked, how it was answered, activities and wishes."""
