import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'
import {
  formatCtime,
  formatFixed,
  formatGeneral,
  formatRepr,
  formatStrftime,
} from '../../../../src/core/python/format.js'
import { createRandom, runSeed } from '../../../helpers/random.js'
import { REFERENCE_PYTHON } from '../../../helpers/reference.js'

// [value, repr, '%f', '%10.35g', '%g'] as Python 3.11 prints them.
const CASES: [number, string, string, string, string][] = [
  [0, '0.0', '0.000000', '         0', '0'],
  [-0, '-0.0', '-0.000000', '        -0', '-0'],
  [1, '1.0', '1.000000', '         1', '1'],
  [2.5, '2.5', '2.500000', '       2.5', '2.5'],
  [1e16, '1e+16', '10000000000000000.000000', '10000000000000000', '1e+16'],
  [1e-5, '1e-05', '0.000010', '1.0000000000000000818030539140313095e-05', '1e-05'],
  [1e-4, '0.0001', '0.000100', '0.0001000000000000000047921736023859296', '0.0001'],
  [
    123456789012345678,
    '1.2345678901234568e+17',
    '123456789012345680.000000',
    '123456789012345680',
    '1.23457e+17',
  ],
  [0.1, '0.1', '0.100000', '0.1000000000000000055511151231257827', '0.1'],
  [1 / 3, '0.3333333333333333', '0.333333', '0.33333333333333331482961625624739099', '0.333333'],
  // an exact tie at the 35th digit: C rounds it to even, V8's toPrecision would round up
  [2 ** -51, '4.440892098500626e-16', '0.000000', '4.4408920985006261616945266723632812e-16', '4.44089e-16'],
  // exact ties at the 6th decimal: '%f' rounds to even, toFixed would not
  [1 / 128, '0.0078125', '0.007812', ' 0.0078125', '0.0078125'],
  [3 / 128, '0.0234375', '0.023438', ' 0.0234375', '0.0234375'],
  [-1 / 128, '-0.0078125', '-0.007812', '-0.0078125', '-0.0078125'],
  [-1e-7, '-1e-07', '-0.000000', '-9.9999999999999995474811182588625869e-08', '-1e-07'],
  [NaN, 'nan', 'nan', '       nan', 'nan'],
  [Infinity, 'inf', 'inf', '       inf', 'inf'],
  [-Infinity, '-inf', '-inf', '      -inf', '-inf'],
  [5e-324, '5e-324', '0.000000', '4.9406564584124654417656879286822137e-324', '4.94066e-324'],
  [100, '100.0', '100.000000', '       100', '100'],
  [1e21, '1e+21', '1000000000000000000000.000000', '1000000000000000000000', '1e+21'],
  [123.45, '123.45', '123.450000', '123.45000000000000284217094304040074', '123.45'],
]

describe('Python number formatting', () => {
  for (const [value, repr, fixed, general35, general] of CASES) {
    test(`${repr}`, () => {
      assert.equal(formatRepr(value), repr)
      assert.equal(formatFixed(value), fixed)
      assert.equal(formatGeneral(value, 35, 10), general35)
      assert.equal(formatGeneral(value, 6), general)
    })
  }

  test("'%f' of huge values prints every digit", () => {
    assert.equal(
      formatFixed(1e300),
      '1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000',
    )
    assert.equal(formatFixed(2.5, 3), '2.500')
  })

  test('ctime and strftime use local time with C-locale names', () => {
    const t = 1795619700 // 2026-11-25T15:15:00Z
    const d = new Date(t * 1000)
    const pad = (n: number) => String(n).padStart(2, '0')
    assert.match(formatCtime(t), /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}$/)
    assert.equal(
      formatStrftime('%Y-%m-%d %H:%M:%S', t),
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    )
    assert.equal(formatStrftime('%% %s %Q', t), `% ${t} %Q`)
  })

  const python = spawnSync(REFERENCE_PYTHON, ['-c', 'print(1)']).status === 0
  test(
    'random doubles format as Python formats them',
    { skip: python ? undefined : `no ${REFERENCE_PYTHON}` },
    () => {
      const seed = runSeed()
      const r = createRandom(seed)
      const values: number[] = []
      const bytes = Buffer.alloc(8)
      for (let i = 0; i < 20000; i++) {
        const kind = r.next()
        if (kind < 0.4) {
          bytes.writeUInt32BE(r.int(0, 0xffffffff), 0)
          bytes.writeUInt32BE(r.int(0, 0xffffffff), 4)
          values.push(bytes.readDoubleBE(0))
        } else if (kind < 0.6) values.push(Math.round((r.next() - 0.5) * 1e6) / 100)
        else if (kind < 0.7) values.push(r.int(-1e6, 1e6) / 128)
        else values.push((r.next() - 0.5) * 10 ** r.int(-30, 30))
      }
      const hex = values.map((v) => {
        bytes.writeDoubleBE(v)
        return bytes.toString('hex')
      })
      const script =
        'import struct,sys,json\n' +
        'out=[]\n' +
        'for h in json.load(sys.stdin):\n' +
        "  v=struct.unpack('>d',bytes.fromhex(h))[0]\n" +
        "  out.append([repr(v),'%f'%v,'%10.35g'%v,'%g'%v])\n" +
        'print(json.dumps(out))'
      const result = spawnSync(REFERENCE_PYTHON, ['-c', script], {
        input: JSON.stringify(hex),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
      const expected = JSON.parse(result.stdout) as [string, string, string, string][]
      values.forEach((v, i) => {
        const [repr, fixed, general35, general] = expected[i]!
        const label = `seed ${seed}, value ${hex[i]}`
        assert.equal(formatRepr(v), repr, label)
        assert.equal(formatFixed(v), fixed, label)
        assert.equal(formatGeneral(v, 35, 10), general35, label)
        assert.equal(formatGeneral(v, 6), general, label)
      })
    },
  )
})
