#!/usr/bin/python3
"""Records the layout-op oracle cases in this folder (run by hand, not by CI).

1. Build the model writer against the generated schema header of a build dir and run it:
     g++ -std=c++20 -I BUILD/core/generated tests/data/layout_oracle/make_cases.cpp -o /tmp/make_cases
     /tmp/make_cases            # writes /tmp/lay/models/<case>.tflite
2. python3 tests/data/layout_oracle/record.py /tmp/oracle/tflite_oracle.js BUILD/app/batch/rangefinder-batch
   For every model: deterministic random inputs (input_<j>.bin, raw little-endian), the
   oracle's outputs (expected_<k>.bin, TFLite + XNNPACK delegate), and a line in cases.txt:
     <case> <oracle path: xnnpack|builtin> <modes that must match> <exact|float>
   A mode is listed when rangefinder-batch reproduces the oracle in it when recording
   (float within 1e-5 relative or 1e-6 absolute); 'exact' means the XNNPACK mode matched
   bit for bit, and the test then demands that (the builtin mode is held to the float
   tolerance for float outputs).
"""
import glob, json, os, random, shutil, struct, subprocess, sys, zlib

ORACLE, BATCH = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
FMT = {'float32': 'f', 'int8': 'b', 'uint8': 'B', 'int16': 'h', 'int32': 'i'}
RANGE = {'int8': (-128, 127), 'uint8': (0, 255), 'int16': (-32768, 32767), 'int32': (-1000, 1000)}


def values(path, dtype):
    data = open(path, 'rb').read()
    return struct.unpack('<%d%s' % (len(data) // struct.calcsize(FMT[dtype]), FMT[dtype]), data)


def close(a, b, dtype):
    if len(a) != len(b):
        return False
    if dtype != 'float32':
        return a == b
    return all(abs(x - y) <= max(1e-5 * max(abs(x), abs(y)), 1e-6) for x, y in zip(a, b))


lines = []
for model in sorted(glob.glob('/tmp/lay/models/*.tflite')):
    name = os.path.basename(model)[:-7]
    out = os.path.join(HERE, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    shutil.copy(model, os.path.join(out, 'model.tflite'))
    info = json.loads(subprocess.run(['node', ORACLE, 'info', model], capture_output=True, text=True, check=True).stdout)
    rng = random.Random(zlib.crc32(name.encode()))
    inputs = []
    for j, tensor in enumerate(info['inputs']):
        count = 1
        for d in tensor['shape']:
            count *= d
        dtype = tensor['dtype']
        data = ([rng.uniform(-3, 3) for _ in range(count)] if dtype == 'float32'
                else [rng.randint(*RANGE[dtype]) for _ in range(count)])
        path = os.path.join(out, 'input_%d.bin' % j)
        open(path, 'wb').write(struct.pack('<%d%s' % (count, FMT[dtype]), *data))
        inputs.append(path)
    run = subprocess.run(['node', ORACLE, 'run', model] + inputs + ['-o', '/tmp/lay/rec/' + name, '--profile'],
                         capture_output=True, text=True, check=True)
    path_taken = 'xnnpack' if 'Delegate/' in run.stderr else 'builtin'
    outputs = sorted(glob.glob('/tmp/lay/rec/%s/output_*.json' % name))
    dtypes = []
    for k, sidecar in enumerate(outputs):
        meta = json.load(open(sidecar))
        shutil.copy(sidecar[:-5] + '.bin', os.path.join(out, 'expected_%d.bin' % k))
        dtypes.append(meta['dtype'])
    modes = []
    xnnpack_exact = False
    for mode in ('xnnpack', 'builtin'):
        mine = '/tmp/lay/rec/%s_%s' % (name, mode)
        subprocess.run([BATCH, 'run', model] + inputs + ['-o', mine, '--kernels', mode, '--force'], check=True,
                       capture_output=True)
        if all(close(values(os.path.join(out, 'expected_%d.bin' % k), dt),
                     values(os.path.join(mine, 'output_%d.bin' % k), dt), dt) for k, dt in enumerate(dtypes)):
            modes.append(mode)
        if mode == 'xnnpack':
            xnnpack_exact = all(open(os.path.join(out, 'expected_%d.bin' % k), 'rb').read() ==
                                open(os.path.join(mine, 'output_%d.bin' % k), 'rb').read() for k in range(len(dtypes)))
    # 'exact': the XNNPACK mode reproduces the oracle bit for bit; 'float': within tolerance.
    kind = 'exact' if xnnpack_exact else 'float'
    lines.append('%s %s %s %s' % (name, path_taken, ','.join(modes) or '-', kind))
    print(lines[-1])
open(os.path.join(HERE, 'cases.txt'), 'w').write(
    '# case  oracle-path  modes-that-match  comparison   (recorded by record.py)\n' + '\n'.join(lines) + '\n')
