// The vectors' subset matcher (tests/conformance/README.md), as core/tests/common/matcher.rs.

/** null when `actual` satisfies `want`, else a message naming the first path that does not. */
export function mismatch(want, actual, path = '$') {
  const show = (v) => JSON.stringify(v);
  const fail = () => `${path}: want ${show(want)}, got ${show(actual)}`;
  if (isObject(want) && Object.keys(want).some((k) => k.startsWith('$'))) {
    for (const [op, arg] of Object.entries(want)) {
      let ok;
      switch (op) {
        case '$contains':
          ok = typeof actual === 'string' && typeof arg === 'string' && actual.includes(arg);
          break;
        case '$gte':
          ok = typeof actual === 'number' && actual >= arg - 1e-9;
          break;
        case '$lte':
          ok = typeof actual === 'number' && actual <= arg + 1e-9;
          break;
        case '$absent':
          ok = actual === null || actual === undefined;
          break;
        case '$len':
          ok = (Array.isArray(actual) ? actual.length : typeof actual === 'string' ? [...actual].length : -1) === arg;
          break;
        default:
          return `${path}: unknown matcher ${op}`;
      }
      if (!ok) return fail();
    }
    return null;
  }
  if (isObject(want)) {
    for (const [key, sub] of Object.entries(want)) {
      const present = isObject(actual) && Object.hasOwn(actual, key);
      if (!present && !(sub === null || (isObject(sub) && '$absent' in sub))) {
        return `${path}.${key}: missing (want ${show(sub)})`;
      }
      const m = mismatch(sub, present ? actual[key] : null, `${path}.${key}`);
      if (m) return m;
    }
    return null;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(actual)) return fail();
    if (actual.length !== want.length) {
      return `${path}: want ${want.length} items, got ${actual.length}: ${show(actual)}`;
    }
    for (let i = 0; i < want.length; i++) {
      const m = mismatch(want[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeof want === 'number') {
    return typeof actual === 'number' && Math.abs(want - actual) <= 1e-9 ? null : fail();
  }
  return want === actual || (want === null && actual === undefined) ? null : fail();
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
