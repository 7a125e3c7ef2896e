// Ready versus desired replicas over the time this page has been open (sampled on each poll).
// Loaded lazily: the chart library is only fetched for the details page.
import '@mantine/charts/styles.css';
import { AreaChart } from '@mantine/charts';

export interface ReplicaSample {
  time: string;
  ready: number;
  desired: number;
}

export default function ReplicaHistoryChart({ samples }: { samples: ReplicaSample[] }) {
  return (
    <AreaChart
      h={160}
      data={samples}
      dataKey="time"
      series={[
        { name: 'desired', label: 'Desired', color: 'gray.5' },
        { name: 'ready', label: 'Ready', color: 'teal.6' },
      ]}
      curveType="stepAfter"
      withDots={false}
      withLegend
      legendProps={{ verticalAlign: 'top', height: 32 }}
      yAxisProps={{ allowDecimals: false, width: 28 }}
      gridAxis="y"
      fillOpacity={0.15}
    />
  );
}
