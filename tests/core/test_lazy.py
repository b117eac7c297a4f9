"""Lazily exported names: each resolves to what it names, whatever was imported before it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

LAZY_PACKAGES = ("signaltrust.core", "signaltrust.research", "signaltrust.ml")


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_name_when_its_module_was_imported_first_then_it_is_still_the_object(package):
    assert importlib.import_module(package).__all__
    code = (
        f"import importlib, types, {package} as p\n"
        "for name in p.__all__:\n"
        "    target = getattr(p, name)\n"
        "    importlib.import_module(target.__module__)  # the defining module, imported again\n"
        "for name in p.__all__:\n"
        "    assert not isinstance(getattr(p, name), types.ModuleType), name\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_name_when_module_imported_before_package_attribute_then_not_shadowed():
    code = ("import signaltrust.research.risk, signaltrust.research.stress, types\n"
            "from signaltrust.research import risk_report, stress_test\n"
            "assert callable(risk_report) and not isinstance(risk_report, types.ModuleType)\n"
            "assert callable(stress_test) and not isinstance(stress_test, types.ModuleType)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_root_package_when_subpackage_read_then_it_loads_on_first_access():
    import signaltrust

    assert "backtest" in dir(signaltrust) and "backtest" in signaltrust.__all__
    assert isinstance(signaltrust.ta, types.ModuleType)
    with pytest.raises(AttributeError, match="no attribute"):
        signaltrust.not_a_subpackage  # noqa: B018
