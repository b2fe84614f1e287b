"""make install PREFIX=DIR's tree, as a user outside the project sees it: the layout (public headers
only), and a consumer program (tests/consumer) built against it with CMake (find_package, shared and
static) and with pkg-config (shared and static), before and after the tree is moved elsewhere."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = sys.argv.pop(1) if len(sys.argv) > 1 else "build"
HERE = os.path.dirname(os.path.abspath(__file__))
CONSUMER = os.path.join(HERE, "consumer")


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout


class InstalledTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="fmalab-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        run(["cmake", "--install", BUILD, "--prefix", cls.prefix])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_layout(self):
        p = self.prefix
        for f in ["include/fmalab/fmalab.hpp", "include/fmalab/operation.hpp", "include/fmalab/batch.hpp",
                  "lib/libfmalab.a", "lib/libfmalab.so", "bin/fmalab", "lib/cmake/fmalab/fmalabConfig.cmake",
                  "lib/cmake/fmalab/fmalabConfigVersion.cmake", "lib/pkgconfig/fmalab.pc"]:
            self.assertTrue(os.path.exists(os.path.join(p, f)), f)
        # Internals stay private: the datapath's headers are not installed.
        for f in ["fma_kernel.hpp", "dot.hpp", "mx_fast.hpp", "wide_sum.hpp"]:
            self.assertFalse(os.path.exists(os.path.join(p, "include/fmalab", f)), f)
        self.assertIn("usage: fmalab", run([os.path.join(p, "bin/fmalab"), "--help"]))
        # The archive holds code, not LTO bytecode a consumer's linker would have to compile again.
        self.assertNotIn(".gnu.lto_", run(["objdump", "-h", os.path.join(p, "lib/libfmalab.a")]))

    def cmake_consumer(self, prefix, target, name):
        build = os.path.join(self.tmp, name)
        run(["cmake", "-S", CONSUMER, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}", f"-DFMALAB_TARGET={target}",
             "-DCMAKE_BUILD_TYPE=Release"])
        run(["cmake", "--build", build])
        self.assertEqual(run([os.path.join(build, "consumer")]), "consumer ok\n")

    def pkg_config_consumer(self, prefix, static, name):
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib/pkgconfig"))
        cflags = run(["pkg-config", "--cflags", "fmalab"], env=env).split()
        exe = os.path.join(self.tmp, name)
        if static:
            libs = run(["pkg-config", "--static", "--libs", "fmalab"], env=env).split()
            libs = ["-Wl,-Bstatic" if l == "-lfmalab" else l for l in libs] + ["-Wl,-Bdynamic"]
            libs = [l for l in libs if l != "-lquadmath"] + ["-lquadmath"]
            libs.insert(libs.index("-Wl,-Bstatic") + 1, "-lfmalab")
        else:
            libs = run(["pkg-config", "--libs", "fmalab"], env=env).split()
            libs += ["-Wl,-rpath," + os.path.join(prefix, "lib")]
        run(["g++", "-O1", os.path.join(CONSUMER, "main.cpp"), "-o", exe] + cflags + libs)
        self.assertEqual(run([exe]), "consumer ok\n")
        needs_so = "libfmalab.so" in run(["ldd", exe])
        self.assertEqual(needs_so, not static)

    def test_cmake_shared_and_static(self):
        self.cmake_consumer(self.prefix, "fmalab::fmalab", "cmake-shared")
        self.cmake_consumer(self.prefix, "fmalab::fmalab_static", "cmake-static")

    def test_pkg_config_shared_and_static(self):
        self.pkg_config_consumer(self.prefix, False, "pc-shared")
        self.pkg_config_consumer(self.prefix, True, "pc-static")

    def test_relocated_tree(self):
        moved = os.path.join(self.tmp, "moved")
        shutil.copytree(self.prefix, moved, symlinks=True)
        self.cmake_consumer(moved, "fmalab::fmalab", "moved-cmake")
        self.pkg_config_consumer(moved, False, "moved-pc")


if __name__ == "__main__":
    unittest.main()
