module.exports = { ...require('../../jest.preset.js'), displayName: 'lightgbm', rootDir: __dirname };
