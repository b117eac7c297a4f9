"""The explained signal's latency: no LLM, a fake LLM answering in 100 ms, and cached answers.

Run: .venv/bin/python benchmarks/bench_agents.py [--symbol sp500] [--bars 10] [--llm-ms 100]

Cold: the first signal of a process (imports, numba compilation, training the meta-model).
Warm: each of the last ``--bars`` bars in turn, as a live service sees new bars: the trained
model is reused (retrained every 250 bars), features, SHAP, the agents, the breakout score and
the explanation are computed afresh. Cached: the same bar asked again. The fake LLM answers the
analyst's structured reasoning after ``--llm-ms`` milliseconds, in process (pydantic-ai's
FunctionModel) and over loopback HTTP (an OpenAI-compatible server in another process, one
request per signal).
Seed target: 150 ms in total with the LLM, cached answers under 20 ms. Prints the median and
worst wall time, and the median CPU time of this process (what the signal costs on an idle
core: on a loaded machine the wall time is mostly waiting for a core).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic_ai.messages import ModelResponse, ToolCallPart  # noqa: E402
from pydantic_ai.models.function import AgentInfo, FunctionModel  # noqa: E402

from signaltrust.agents.coordinator import Supervisor  # noqa: E402
from signaltrust.agents.llm import Reasoner, build_model  # noqa: E402
from signaltrust.core.config import LLMSettings  # noqa: E402
from signaltrust.data import load  # noqa: E402
from signaltrust.research.agents.signal import signal_engine  # noqa: E402

ANSWER = {"stance": "bullish", "confidence": 0.6, "summary": "trend and model agree",
          "reasons": ["model probability above one half"]}


def fake_llm(delay_s: float) -> FunctionModel:
    async def answer(messages, info: AgentInfo) -> ModelResponse:
        await asyncio.sleep(delay_s)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, ANSWER)])
    return FunctionModel(answer)


def serve_fake_llm(delay_s, urls, stop) -> None:
    """The fake OpenAI-compatible server, in a process of its own as a real LLM server is (in
    this process its threads would take the GIL from the signal being measured)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.agents.fake_openai import FakeOpenAI

    with FakeOpenAI([("final", ANSWER)], delay_s=delay_s) as fake:
        urls.put(fake.url)
        stop.wait()


def timed(engine, symbol, bars, steps):
    times, cpu, results = [], [], []
    for k in range(steps, 0, -1):
        started, started_cpu = time.perf_counter(), time.process_time()
        results.append(engine.explain(symbol, bars=bars.iloc[:len(bars) - k + 1]))
        times.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - started_cpu))
    return (times, cpu), results


def line(name, times):
    times, cpu = times if isinstance(times, tuple) else (times, None)
    extra = f"   CPU median {statistics.median(cpu):7.1f} ms" if cpu else ""
    print(f"{name:<42} median {statistics.median(times):8.1f} ms   worst {max(times):8.1f} ms"
          f"{extra}   (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default="sp500")
    parser.add_argument("--bars", type=int, default=10)
    parser.add_argument("--llm-ms", type=float, default=100.0)
    args = parser.parse_args()
    bars = load(args.symbol)
    print(f"{args.symbol}: {len(bars)} bars; warm = the last {args.bars} bars one by one")

    engine = signal_engine()
    started = time.perf_counter()
    engine.explain(args.symbol, bars=bars.iloc[:len(bars) - args.bars])
    print(f"{'cold (imports, JIT, training)':<42} {1000 * (time.perf_counter() - started):8.1f} ms")
    warm, _ = timed(engine, args.symbol, bars, args.bars)
    line("warm, no LLM", warm)
    cached = []
    for _ in range(20):
        started = time.perf_counter()
        engine.explain(args.symbol, bars=bars)
        cached.append(1000 * (time.perf_counter() - started))
    line("cached (same bar), no LLM", cached)

    reasoner = Reasoner(fake_llm(args.llm_ms / 1000))
    llm_engine = signal_engine(supervisor=Supervisor(trail=reasoner.trail, reasoner=reasoner))
    llm_engine._models = engine._models  # the same trained model: only the LLM differs
    with_llm, results = timed(llm_engine, args.symbol, bars, args.bars)
    assert all(r.llm_confidence is not None for r in results)
    line(f"warm, fake LLM in process ({args.llm_ms:g} ms)", with_llm)

    context = multiprocessing.get_context("spawn")
    urls, stop = context.Queue(), context.Event()
    server = context.Process(target=serve_fake_llm, args=(args.llm_ms / 1000, urls, stop),
                             daemon=True)
    server.start()
    try:
        model = build_model(LLMSettings(backend="openai", base_url=urls.get(timeout=60),
                                        api_key="k"))
        reasoner = Reasoner(model)
        http_engine = signal_engine(supervisor=Supervisor(trail=reasoner.trail,
                                                          reasoner=reasoner))
        http_engine._models = engine._models
        over_http, results = timed(http_engine, args.symbol, bars, args.bars)
    finally:
        stop.set()
        server.join(10)
    assert all(r.llm_confidence is not None for r in results)
    line(f"warm, fake LLM over HTTP ({args.llm_ms:g} ms)", over_http)
    cached = []
    for _ in range(20):
        started = time.perf_counter()
        llm_engine.explain(args.symbol, bars=bars)
        cached.append(1000 * (time.perf_counter() - started))
    line("cached (same bar), with LLM", cached)


if __name__ == "__main__":
    main()
