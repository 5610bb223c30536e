import { regionOfUrl, withAdminPath } from '../../../cli/targets';

describe('where the command line finds a deployed admin API', () => {
  it('signs for the region in an execute-api host name, and for none on a custom domain', () => {
    expect(regionOfUrl('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/admin')).toBe('eu-west-1');
    expect(regionOfUrl('https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1/admin')).toBe('cn-north-1');
    expect(regionOfUrl('https://admin.example.com/admin')).toBeUndefined();
  });

  it('takes the AdminApiUrl output as it is and adds /admin to a stage URL', () => {
    expect(withAdminPath('https://abc.execute-api.eu-west-1.amazonaws.com/v1/admin/')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/v1/admin',
    );
    expect(withAdminPath('https://abc.execute-api.eu-west-1.amazonaws.com/v1')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/v1/admin',
    );
  });
});
