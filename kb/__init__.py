"""FAQ knowledge base: one YAML per topic, the source of ``data/nlu/faq.yml``.

Public API::

    from kb import load_topics, topic_titles
    topics = load_topics()          # list[Topic], sorted by topic, validated
    topic_titles()["forgot_password"]  # "Quên mật khẩu"
"""

from kb.topics import KB_DIR, TOPIC_NAMES, KbError, Topic, load_topics, topic_titles

__all__ = ["KB_DIR", "TOPIC_NAMES", "KbError", "Topic", "load_topics", "topic_titles"]
