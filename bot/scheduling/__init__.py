"""Pure helpers of the scheduling journey: specialties, cities, dates, ANS deadlines."""
