"""Rasa's graphs run depth first, each node once, instead of through dask's scheduler.

Replaces `dask.get` (dask's synchronous scheduler, `dask.local.get_sync`), which Rasa's
DaskGraphRunner calls for each graph: the NLU once per message, the policies once per
action. Its bookkeeping (task states, callbacks, ordering) cost 7% of a Rasa server's busy
time at 20 users for graphs of a dozen nodes that run one after the other anyway. Here each
target is computed depth first, each node once, its inputs substituted as dask substitutes
them (a task is a tuple with a callable first; an argument naming a node is that node's
result; anything else, such as Rasa's `(name, value)` inputs, is itself). Results are
identical; errors propagate unchanged. It replaces `dask.get` for the whole process, which
runs no other dask graph.
"""

from typing import Any

from rasa_env.patches.targets import Target, replace

GET = Target("dask", "get", "c44ac9236e047173bcd1f54d4d58827f4bec7459a0cdbe76f77a4647cdb2836e")
TARGETS = (GET,)


def get_in_order(graph: dict[Any, Any], targets: list[Any]) -> list[Any]:
    results: dict[Any, Any] = {}

    def argument(value: Any) -> Any:
        return result(value) if isinstance(value, str) and value in graph else value

    def result(key: Any) -> Any:
        if key not in results:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                results[key] = task[0](*(argument(value) for value in task[1:]))
            else:
                results[key] = task
        return results[key]

    return [result(target) for target in targets]


def apply() -> None:
    replace(GET, get_in_order)
