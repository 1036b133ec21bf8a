"""`mercato serve marketing-traffic`: the traffic worker as a process.

Configured only by environment variables (see `settings`); JSON logs on stderr; a bad variable
stops start-up naming it (exit 2); SIGTERM stops the agents, flushes what they sent and commits
(exit 0). It provisions the topics it reads and writes, its keyed topic and its table's
changelog (compacted) before faust starts.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import faust

from mercato_kit.events import TopicSpec
from mercato_kit.logging import configure_logging, get_logger
from mercato_kit.messaging import ensure_topics
from mercato_kit.settings import SettingsError, load_settings
from mercato_marketing.traffic.app import build_app, store_url
from mercato_marketing.traffic.settings import TrafficSettings

SERVICE = "marketing-traffic"

_QUIET = ("faust", "mode", "aiokafka", "kafka")
"""Loggers kept at WARNING unless LOG_LEVEL is DEBUG (faust logs tables of offsets at INFO)."""


def main() -> None:
    try:
        settings = load_settings(TrafficSettings)
    except SettingsError as exc:
        sys.stderr.write(f"{SERVICE}: {exc}\n")
        raise SystemExit(2) from None
    configure_logging(SERVICE, settings.log_level)
    if logging.getLogger().level > logging.DEBUG:
        for name in _QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    log = get_logger("mercato_marketing.traffic")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    partitions = settings.kafka_topic_partitions
    try:
        loop.run_until_complete(
            ensure_topics(
                settings.kafka_bootstrap_servers,
                [
                    TopicSpec(settings.traffic_click_topic, partitions),
                    TopicSpec(settings.traffic_campaign_topic, partitions),
                    TopicSpec(settings.traffic_topic, partitions),
                    TopicSpec(settings.keyed_topic, partitions),
                    # Before faust starts: on a new broker its agent would otherwise read the
                    # changelog's metadata before the topic exists and crash on "0 partitions".
                    TopicSpec(settings.changelog_topic, partitions, compacted=True),
                ],
            )
        )
    except Exception as exc:
        log.error("traffic.start_failed", error=str(exc))
        raise SystemExit(1) from None
    settings.traffic_data_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(settings)
    log.info(
        "traffic.starting",
        group=settings.traffic_group,
        clicks=settings.traffic_click_topic,
        campaigns=settings.traffic_campaign_topic,
        flags=settings.traffic_topic,
        store=store_url(),
        rules=settings.rules().__dict__,
    )
    worker = faust.Worker(
        app,
        loop=loop,
        quiet=True,
        override_logging=False,
        redirect_stdouts=False,
        workdir=None,
    )
    worker.spinner = None  # a terminal progress spinner: not in a service's log
    try:
        worker.execute_from_commandline()  # raises SystemExit: 0 once stopped, 1 on a crash
    finally:
        log.info("traffic.stopped")


if __name__ == "__main__":
    main()
