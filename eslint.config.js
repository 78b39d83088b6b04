import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**'] }),
  {
    rules: {
      'no-console': 'error'
    }
  },
  {
    files: ['test/**', 'scripts/**'],
    rules: {
      'no-console': 'off'
    }
  }
]
