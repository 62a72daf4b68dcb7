module.exports = { ...require('../../jest.preset.js'), displayName: 'tracking', rootDir: __dirname };
