"""The learning portal: lessons on the platform's own data, every trade explained, quizzes and
each user's progress (``docs/learning_portal.md``)."""

from signaltrust.learn.lessons import Lesson, get_lesson, load_lessons, run_lesson

__all__ = ["Lesson", "get_lesson", "load_lessons", "run_lesson"]
