// Compiles the layer's Python sources to bytecode for the Lambda runtime's interpreter (CPython 3.12).
//
// Lambda's file system is read-only outside /tmp, so an interpreter that finds no bytecode of its own
// version compiles every imported module from source at every cold start and cannot keep the result.
// The build machine runs another Python, so the compiler used here is CPython 3.12 itself, built for
// WebAssembly (the `pyodide` npm package: offline, no Docker). Bytecode is platform independent.
//
// Usage: node scripts/compile_layer.mjs LAYER_PYTHON_DIR [SUBDIR...]
// Compiles every .py under each SUBDIR of LAYER_PYTHON_DIR (the whole directory when none is given)
// to __pycache__/NAME.cpython-312.pyc, checked-hash mode: the interpreter verifies the source's hash
// instead of its modification time, which a zip's extraction does not keep. Prints one JSON line:
// {"python": "3.12.x", "compiled": N, "failed": [{"path": ..., "error": ...}]}.
import path from "node:path";
import { loadPyodide } from "pyodide";

const [root, ...subdirs] = process.argv.slice(2);
if (!root) {
  console.error("usage: node scripts/compile_layer.mjs LAYER_PYTHON_DIR [SUBDIR...]");
  process.exit(2);
}

const pyodide = await loadPyodide({ stdout: () => {}, stderr: (line) => console.error(line) });
pyodide.FS.mkdirTree("/layer");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(root) }, "/layer");
pyodide.globals.set("subdirs", pyodide.toPy(subdirs.length ? subdirs : ["."]));

const summary = pyodide.runPython(`
import json, os, py_compile, sys

compiled, failed = 0, []
for subdir in subdirs:
    for folder, dirs, files in os.walk(os.path.join("/layer", subdir)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            source = os.path.join(folder, name)
            relative = os.path.relpath(source, "/layer")
            try:
                py_compile.compile(
                    source,
                    # Where the function finds the file: tracebacks name the Lambda path.
                    dfile=os.path.join("/opt/python", relative),
                    doraise=True,
                    invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
                )
                compiled += 1
            except py_compile.PyCompileError as error:
                failed.append({"path": relative, "error": error.msg.strip().splitlines()[-1]})
json.dumps({"python": sys.version.split()[0], "compiled": compiled, "failed": failed})
`);
console.log(summary);
