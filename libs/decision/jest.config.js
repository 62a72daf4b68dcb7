module.exports = { ...require('../../jest.preset.js'), displayName: 'decision', rootDir: __dirname };
