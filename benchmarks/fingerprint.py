"""A fingerprint of the command line's behaviour, to diff before and after a refactor.

    python benchmarks/fingerprint.py before.json     # on the old commit
    python benchmarks/fingerprint.py after.json      # on the new one
    diff before.json after.json                      # nothing: no behaviour changed

Runs about 130 invocations (every command's help, info in text and JSON, each operation with
numbers, dumps, storyboards, every format, themes, errors, batch files) in a scratch folder and
records each one's exit code, stdout, stderr and the SHA-256 of every file it wrote.
"""
import hashlib, json, os, shutil, sys, tempfile
from pathlib import Path
from click.testing import CliRunner

from convanim.cli import cli

CMDS = [
 [], ["--help"], ["--version"],
]
ops = ["conv","dilated","transposed","pool","pointwise","depthwise","separable","spatial-separable","checkerboard","receptive-field"]
for op in ops:
    CMDS += [[op, "--help"], ["info", op, "--help"], ["info", op], ["info", op, "--json"], [op, "-o", f"out/{op}.gif"], [op]]
CMDS += [["info","--help"], ["gallery","--help"], ["batch","--help"]]
CMDS += [
 ["conv","--numbers","-o","out/n.gif","--dump","out/n.json","--storyboard","out/sb.png"],
 ["conv","--i","6x5","--k","3","--s","2","--p","1,0,2,1","--numbers","-o","out/a.png"],
 ["conv","--in-channels","3","--out-channels","2","--numbers","-o","out/ch.gif","--dump","out/ch.json"],
 ["conv","--in-channels","4","--out-channels","4","--groups","2","-o","out/g.gif"],
 ["conv","--p","same","--k","4","--numbers","--style","flat","-o","out/same.svg"],
 ["conv","--p","full","--theme","dark","-o","out/full.webp"],
 ["conv","--theme","colorblind","--crisp","--labels","-o","out/cb.gif"],
 ["conv","--no-labels","--numbers","--precision","2","-o","out/p.pdf"],
 ["conv","--fps","4","--transparent","-o","out/t.apng"],
 ["conv","--width","300","-o","out/w.gif"], ["conv","--dpi","100","-o","out/dpi.gif"],
 ["conv","--dpi","100","--width","300"], ["conv","--delay","5","--fps","2"],
 ["conv","--k","9"], ["conv","--i","0"], ["conv","--p","x"], ["conv","--s","2x"], ["conv","--groups","2"],
 ["conv","--i","100","--max-frames","10"], ["conv","--i","300","--max-size","100"],
 ["conv","-o","out/x.txt"], ["conv","--storyboard","out/x.gif"], ["conv","--dump","x.txt"],
 ["dilated","--numbers","-o","out/d.gif"],
 ["transposed","--numbers","-o","out/tr.gif","--dump","out/tr.json"],
 ["transposed","--s","2","--p","1","--a","1","--numbers","-o","out/tr2.gif"],
 ["transposed","--view","scatter","--numbers","-o","out/sc.gif"],
 ["transposed","--view","scatter","-o","out/sc2.gif"],
 ["transposed","--p","1,0,1,0"], ["transposed","--a","3"],
 ["pool","--mode","avg","--numbers","-o","out/avg.gif","--dump","out/avg.json"],
 ["pool","--mode","max","--numbers","--p","1","-o","out/max.gif","--dump","out/max.json"],
 ["pool","--p","2"], ["pool","--mode","avg","--d","2"], ["pool","--mode","min"],
 ["pointwise","--k","3"], ["pointwise","--numbers","--out-channels","2","-o","out/pw.gif"],
 ["depthwise","--numbers","--depth-multiplier","2","-o","out/dw.gif","--dump","out/dw.json"],
 ["depthwise","--in-channels","4096","--depth-multiplier","2"],
 ["separable","--numbers","--out-channels","2","-o","out/sep.gif","--dump","out/sep.json"],
 ["spatial-separable","--numbers","-o","out/ss.gif","--dump","out/ss.json"],
 ["spatial-separable","--column","1,2","--row","1,0,-1"], ["spatial-separable","--column","a"],
 ["checkerboard","--k","3,4","-o","out/cbs.gif"], ["checkerboard","--layers","2","-o","out/cb2.png"],
 ["checkerboard","--k","3,3"], ["checkerboard","--layers","20"],
 ["receptive-field","--dilations","1,2","--strides","2,1","-o","out/rf.gif"],
 ["receptive-field","--dilations","1,x"], ["receptive-field","--i","3"],
 ["info","conv","--in-channels","64","--out-channels","64","--bottleneck","16"],
 ["info","conv","--bottleneck","16"], ["info","checkerboard","--k","3,4","--json"],
 ["info","receptive-field","--dilations","1,2,4,8"],
 ["gallery","--only","dilation,padding_strides","-o","out/gal","-j","1"],
 ["gallery","--only","nope"],
 ["conv","--numbers","--input-values","vals/in.csv","--kernel-values","vals/k.csv","-o","out/v.gif"],
 ["conv","--i","4","--input-values","vals/in.csv"],
 ["conv","--input-values","vals/bad.csv"],
 ["batch","vals/b.toml","-B","-j","1"],
 ["batch","vals/bad.toml"],
 ["conv","-o","out/seq/"],
]
# the strips, the volumes and the pixel shuffle: operations that hold a plane spec of their own
for op in ["conv1d", "pool1d", "transposed1d", "pixel-shuffle", "conv3d", "pool3d", "transposed3d", "adaptive-pool",
           "adaptive-pool1d"]:
    CMDS += [["info", op], ["info", op, "--json"], [op, "-o", f"out/{op}.gif", "--numbers", "--dump", f"out/{op}.json"]]
CMDS += [
 ["conv1d","--i","9","--k","3","--p","causal","--d","2","--numbers","-o","out/c1.png"],
 ["conv1d","--in-channels","2","--out-channels","4","--groups","2","--padding-mode","reflect","--p","2","-o","out/c1g.gif"],
 ["conv1d","--view","matrix","--numbers","-o","out/c1m.gif"], ["conv1d","--view","im2col","-o","out/c1i.gif"],
 ["conv1d","--view","grad-input","--s","2","--p","1","-o","out/c1gi.gif"],
 ["conv1d","--view","grad-weight","--numbers","--dump","out/c1gw.json","-o","out/c1gw.gif"],
 ["pool1d","--mode","avg","--k","3","--s","2","--p","1","--ceil-mode","--no-count-include-pad","--numbers","-o","out/p1.gif"],
 ["pool1d","--view","grad-input","--numbers","-o","out/p1g.gif"], ["pool1d","--mode","max","--divisor-override","2"],
 ["pool1d","--i","0"], ["pool1d","--mode","min"], ["conv1d","--i","2","--k","5"], ["conv1d","--p","3,"],
 ["transposed1d","--s","2","--a","1","--view","scatter","--numbers","-o","out/t1.gif"],
 ["transposed1d","--view","grad-input","--numbers","-o","out/t1g.gif"], ["transposed1d","--a","3"],
 ["pixel-shuffle","--out-channels","2","--numbers","-o","out/ps.gif"],
 ["conv3d","--view","grad-weight","--numbers","-o","out/c3.gif"], ["pool3d","--view","grad-input","-o","out/p3.gif"],
 ["torch","nn.Conv1d(2, 3, 3, padding=1)","--numbers","-o","out/tc1.gif"],
 ["torch","nn.AvgPool1d(3, 2, ceil_mode=True)","-o","out/ta1.gif"],
]


def run():
    results = []
    root = Path(tempfile.mkdtemp())
    os.chdir(root)
    Path("vals").mkdir()
    Path("vals/in.csv").write_text("1,2,3,0,1\n0,1,2,3,1\n3,1,0,2,2\n2,2,1,0,3\n1,0,3,1,2\n")
    Path("vals/k.csv").write_text("1,0,-1\n2,0,-2\n1,0,-1\n")
    Path("vals/bad.csv").write_text("1,2\nx,3\n")
    Path("vals/b.toml").write_text('[a]\ncommand="conv"\nnumbers=true\ndump="a.json"\n[b]\ncommand="gallery"\nonly=["dilation"]\noutput="g"\n[c]\ncommand="transposed"\nview="scatter"\ns=2\ncrisp=true\n')
    Path("vals/bad.toml").write_text('[a]\ncommand="conv"\nk=9\n')
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    for args in CMDS:
        before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
        r = runner.invoke(cli, args, prog_name="convanim")
        files = {}
        for p in sorted(root.rglob("*")):
            if p.is_file() and (p not in before or before[p] != p.stat().st_mtime_ns):
                files[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        results.append({"args": args, "code": r.exit_code, "out": r.stdout, "err": r.stderr, "files": files,
                        "exc": None if r.exception is None or isinstance(r.exception, SystemExit) else repr(r.exception)})
    shutil.rmtree(root)
    return results

json.dump(run(), open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
