"""tap-timedoctor: one Time Doctor company's users, projects, tasks, worklogs and computer
activity."""
