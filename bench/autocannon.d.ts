// The few autocannon types the load generator uses (the package ships none).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      headers?: Record<string, string>;
      method?: string;
      body?: string;
      connections?: number;
      duration?: number;
      pipelining?: number;
      timeout?: number;
      renderProgressBar?: boolean;
    }
    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      throughput: { total: number };
    }
    interface Instance {
      on(event: 'response', cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
    }
  }
  function autocannon(opts: autocannon.Options, cb: (err: Error | null, res: autocannon.Result) => void): autocannon.Instance;
  export = autocannon;
}
