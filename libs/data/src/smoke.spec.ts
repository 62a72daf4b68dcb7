describe('workspace', () => { it('runs ts-jest', () => { expect(1 + 1).toBe(2); }); });
