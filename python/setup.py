"""python/setup.py -- the ``urn`` Python package (a ctypes layer over liburn.so).

    pip install ./python          # from the repository root; offline, with Debian's setuptools

The build step copies the repository's build/liburn.so (or the library named by
$URN_LIBRARY) into the package (urn/lib/liburn.so), running ``make
build/liburn.so`` first when it is missing, so the installed package needs
nothing else.  Deliberately a setup.py without
a pyproject.toml: pip then builds with the setuptools already installed
instead of downloading one into an isolated environment.
"""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class BuildWithLibrary(build_py):
    """build_py that also puts liburn.so into the package."""

    def run(self):
        super().run()
        lib = os.environ.get("URN_LIBRARY") or os.path.join(ROOT, "build", "liburn.so")
        if not os.path.exists(lib) and os.path.exists(os.path.join(ROOT, "Makefile")):
            subprocess.run(["make", "-C", ROOT, "-j2", "build/liburn.so"], check=True)
        if not os.path.exists(lib):
            raise SystemExit("urn: %s is missing: run `make` in the urn repository first" % lib)
        dest = os.path.join(self.build_lib, "urn", "lib")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(lib, os.path.join(dest, "liburn.so"))


def version():
    with open(os.path.join(HERE, "urn", "_version.py")) as f:
        return f.read().split('"')[-2]


setup(
    name="urn",
    version=version(),
    description="Bayesian modeling on urn's C library: Stan models without a compile step, NUTS, HMMs by EM",
    packages=["urn"],
    package_dir={"urn": os.path.relpath(os.path.join(HERE, "urn"))},
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"summary": ["pandas"], "progress": ["tqdm"], "arviz": ["arviz"]},
    cmdclass={"build_py": BuildWithLibrary},
    zip_safe=False,
)
